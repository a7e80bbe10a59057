"""The engine's layout holds: imports point one way, every request kind is in the generated
request table and in COVERAGE.md, and handlers cannot register against the wrong kind."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lkemu.engine.core import dispatch, registry
from lkemu.engine.core.coverage import render_markdown
from lkemu.engine.core.spec import REQUESTS
from lkemu.proto import ffi_pb2, room_pb2

ENGINE = Path(__file__).resolve().parent.parent / "engine"
PACKAGE = "lkemu.engine"
AREAS = ("media", "local", "rooms")
# The modules of core that sit above the areas: dispatch imports them, the servers dispatch.
CORE_TOP = {f"{PACKAGE}.core.{name}" for name in ("dispatch", "server", "fastlane")}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


def _imports(path: Path) -> set[str]:
    """The engine modules `path` imports (TYPE_CHECKING imports included)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(path): path for path in ENGINE.rglob("*.py")}
    return {name: _imports(path) & set(modules) - {name} for name, path in modules.items()}


GRAPH = _graph()


def _area(module: str) -> str:
    return module.split(".")[2] if module.count(".") >= 2 else ""


def test_the_graph_sees_the_engine() -> None:
    assert len(GRAPH) > 50
    assert f"{PACKAGE}.rooms.media" in GRAPH[f"{PACKAGE}.core.dispatch"]
    assert f"{PACKAGE}.media.tracks" in GRAPH[f"{PACKAGE}.rooms.model"]


def test_the_import_graph_of_the_engine_has_no_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycle = [*path[path.index(target) :], target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_no_area_imports_dispatch_or_the_servers() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _area(module) != "core"
        for target in targets & CORE_TOP
    ]
    assert not offenders


def test_cores_foundations_know_no_area() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if _area(module) == "core" and module not in CORE_TOP
        for target in targets
        if _area(target) in AREAS
    ]
    assert not offenders


def test_media_never_reaches_into_rooms_and_wire_stands_alone() -> None:
    offenders = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets
        if (_area(module) == "media" and _area(target) == "rooms")
        or (_area(module) == "wire" and _area(target) != "wire")
        or (_area(module) in ("dsp", "video") and _area(target) in (*AREAS, "wire"))
    ]
    assert not offenders


def test_the_request_table_has_every_kind_of_the_protocol() -> None:
    kinds = [f.name for f in ffi_pb2.FfiRequest.DESCRIPTOR.oneofs_by_name["message"].fields]
    assert list(REQUESTS) == kinds
    assert len(kinds) == 90
    responses = ffi_pb2.FfiResponse.DESCRIPTOR.fields_by_name
    events = ffi_pb2.FfiEvent.DESCRIPTOR.fields_by_name
    for name, spec in REQUESTS.items():
        request = ffi_pb2.FfiRequest.DESCRIPTOR.fields_by_name[name].message_type
        response = responses[spec.response_field].message_type
        assert request is not None and response is not None, name
        assert request.name == spec.request_type
        assert response.name == spec.response_type
        is_async = "async_id" in response.fields_by_name
        assert (spec.callback is not None) == is_async, name
        if spec.callback is not None:
            callback = events[spec.callback].message_type
            assert callback is not None and "async_id" in callback.fields_by_name
    assert REQUESTS["edit_chat_message"].response_field == "send_chat_message"
    assert REQUESTS["edit_chat_message"].callback == "chat_message"


def test_coverage_md_is_current_and_lists_every_kind() -> None:
    text = (ENGINE / "COVERAGE.md").read_text()
    assert text == render_markdown(dispatch.coverage()), "stale: run `make coverage`"
    for name in REQUESTS:
        assert f"| `{name}` |" in text


def test_every_handler_is_registered_against_its_own_kind() -> None:
    assert set(registry.HANDLERS) <= set(REQUESTS)
    for name, registered in registry.HANDLERS.items():
        assert registered.spec is REQUESTS[name]
    partial = {name for name, state, *_ in dispatch.coverage() if state == "partial"}
    assert partial == {name for name, r in registry.HANDLERS.items() if r.missing}


def test_a_handler_for_no_kind_is_refused_at_import() -> None:
    with pytest.raises(registry.RegistrationError, match="not a request kind"):
        registry.handles("publish_everything")


def test_a_second_handler_for_a_kind_is_refused() -> None:
    def again(call: object, request: ffi_pb2.DisposeRequest) -> ffi_pb2.DisposeResponse:
        return ffi_pb2.DisposeResponse()

    with pytest.raises(registry.RegistrationError, match="two handlers"):
        registry.handles("dispose")(again)


def test_a_handler_annotated_with_another_request_type_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def wrong(call: object, request: room_pb2.ConnectRequest) -> room_pb2.ConnectResponse:
        return room_pb2.ConnectResponse()

    monkeypatch.delitem(registry.HANDLERS, "publish_data_track")  # else: "two handlers"
    with pytest.raises(registry.RegistrationError, match="PublishDataTrackRequest"):
        registry.handles("publish_data_track")(wrong)
    assert "publish_data_track" not in registry.HANDLERS
