import numpy as np

from tests.native import run_native


def test_native_runner_round_trips_arrays() -> None:
    out = run_native(
        """
        from livekit import rtc
        frame = rtc.AudioFrame.create(48000, 1, 480)
        outputs["n"] = len(frame.data)
        outputs["echo"] = inputs["x"] * 2
        """,
        x=np.arange(4),
    )
    assert int(out["n"]) == 480
    assert out["echo"].tolist() == [0, 2, 4, 6]
