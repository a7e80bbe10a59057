"""Job processes reach the test's engine: livekit-agents runs each job in a child process (its
ipc process pool, multiprocessing forkserver on Linux, spawn elsewhere), and under
`pytest --lkemu` a child gets the drop-in and the engine's address and secret with nothing
for the user to do, so it joins the test's own rooms. A child the drop-in missed would load
the native library and find no server at the URL: it could not join.

On simulated time the engine lives in each test's event loop, which no other process can
reach: these tests skip there, saying so.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from multiprocessing.connection import Connection
from typing import Literal

import pytest
from livekit import rtc
from livekit.agents import JobContext, JobProcess, ipc, job
from livekit.agents.utils.participant import wait_for_participant
from livekit.protocol import agent as agent_protocol
from livekit.protocol import models

from lkemu.agents import access_token
from lkemu.bindings.pytest_plugin import IN_PROCESS

URL = "ws://localhost:7880"  # any URL reaches the engine's rooms (natively: a local server)
TIMEOUT_S = 60.0  # a child imports livekit-agents: seconds on a busy machine


@pytest.fixture
def engine(lkemu_address: str) -> str:
    if lkemu_address == IN_PROCESS:  # simulated time
        pytest.skip(
            "on simulated time the engine runs in this test's event loop: a child process "
            "cannot reach it"
        )
    return lkemu_address


def _child_main(room_name: str, parent_identity: str, report: Connection) -> None:
    """In the child: join the room, find the parent there, say so on the room and `report`."""

    async def join() -> str:
        from lkemu.bindings.dropin import installed_library

        room = rtc.Room()
        await room.connect(URL, access_token("child", room_name))
        try:
            parent = await asyncio.wait_for(
                wait_for_participant(room, identity=parent_identity), TIMEOUT_S
            )
            await room.local_participant.publish_data(b"hello from the child", topic="child")
            return f"{installed_library() is not None} {parent.identity} {room.name}"
        finally:
            await room.disconnect()

    try:
        report.send(asyncio.run(join()))
    except BaseException as error:
        report.send(f"failed: {error!r}")
        raise


async def _receive(pipe: Connection) -> str:
    loop = asyncio.get_running_loop()
    ready = await loop.run_in_executor(None, pipe.poll, TIMEOUT_S)
    assert ready, f"the child said nothing within {TIMEOUT_S} s"
    return str(pipe.recv())


async def _join(room_name: str, identity: str) -> tuple[rtc.Room, asyncio.Future[bytes]]:
    """This process in the room as `identity`, and what the child will send it."""
    room = rtc.Room()
    greeting: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    @room.on("data_received")
    def _on_data(packet: rtc.DataPacket) -> None:
        if packet.topic == "child" and not greeting.done():
            greeting.set_result(packet.data)

    await room.connect(URL, access_token(identity, room_name))
    return room, greeting


async def _child_joins_the_parent_s_room(start_method: Literal["spawn", "forkserver"]) -> None:
    room_name = f"children-{start_method}-{uuid.uuid4().hex[:6]}"
    room, greeting = await _join(room_name, "parent")
    context = (
        multiprocessing.get_context("spawn")
        if start_method == "spawn"
        else multiprocessing.get_context("forkserver")
    )
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=_child_main, args=(room_name, "parent", theirs))
    try:
        child.start()
        theirs.close()
        joined = await asyncio.wait_for(wait_for_participant(room, identity="child"), TIMEOUT_S)
        assert joined.identity == "child"
        # the child ran on the drop-in, saw this process's participant in the same room
        assert await _receive(ours) == f"True parent {room_name}"
        assert await asyncio.wait_for(greeting, TIMEOUT_S) == b"hello from the child"
    finally:
        await asyncio.get_running_loop().run_in_executor(None, child.join, TIMEOUT_S)
        await room.disconnect()
    assert child.exitcode == 0


@pytest.mark.asyncio
async def test_a_spawned_child_joins_the_parent_s_room(engine: str) -> None:
    await _child_joins_the_parent_s_room("spawn")


@pytest.mark.asyncio
async def test_a_forkserver_child_joins_the_parent_s_room(engine: str) -> None:
    await _child_joins_the_parent_s_room("forkserver")


def _initialize(proc: JobProcess) -> None:
    pass


async def _job_entrypoint(ctx: JobContext) -> None:
    """The job, in livekit-agents' job process: connect, greet the user, end the job."""
    await ctx.connect()
    await asyncio.wait_for(ctx.wait_for_participant(identity="user"), TIMEOUT_S)
    await ctx.room.local_participant.publish_data(b"hello from the job", topic="child")
    ctx.shutdown("done")


@pytest.mark.asyncio
async def test_a_job_of_the_process_pool_joins_the_room(engine: str) -> None:
    """livekit-agents' own ProcPool, with the context its worker uses on Linux (forkserver),
    runs a job whose entrypoint connects to the room of the job's token."""
    room_name = f"job-{uuid.uuid4().hex[:6]}"
    room, greeting = await _join(room_name, "user")
    pool = ipc.proc_pool.ProcPool(
        initialize_process_fnc=_initialize,
        job_entrypoint_fnc=_job_entrypoint,
        session_end_fnc=None,
        simulation_end_fnc=None,
        num_idle_processes=1,
        job_executor_type=job.JobExecutorType.PROCESS,
        initialize_timeout=TIMEOUT_S,
        close_timeout=TIMEOUT_S,
        session_end_timeout=TIMEOUT_S,
        inference_executor=None,
        memory_warn_mb=0,
        memory_limit_mb=0,
        http_proxy=None,
        mp_ctx=multiprocessing.get_context("forkserver"),
        loop=asyncio.get_running_loop(),
    )
    job_processes: list[ipc.job_proc_executor.ProcJobExecutor] = []
    pool.on("process_job_launched", job_processes.append)
    await pool.start()
    try:
        info = job.RunningJobInfo(
            job=agent_protocol.Job(
                id=f"job-{room_name}",
                type=agent_protocol.JobType.JT_ROOM,
                room=models.Room(name=room_name),
            ),
            url=URL,
            token=access_token("job-agent", room_name, kind="agent"),
            accept_arguments=job.JobAcceptArguments(name="", identity="job-agent", metadata=""),
            worker_id="lkemu-test",
            # a real room (a fake job gets a mock room); a URL off LiveKit Cloud: no
            # recording, telemetry or server API calls
            fake_job=False,
        )
        await pool.launch_job(info)
        agent = await asyncio.wait_for(wait_for_participant(room, identity="job-agent"), TIMEOUT_S)
        assert agent.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        assert await asyncio.wait_for(greeting, TIMEOUT_S) == b"hello from the job"
    finally:
        await pool.aclose()
        await room.disconnect()
    # the job's process ended cleanly (the idle one warmed after it may be killed mid-start)
    assert [process.exitcode for process in job_processes] == [0]
