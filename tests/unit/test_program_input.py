"""Ctrl-C while `msc run` waits: the first interrupts the program, the second kills it and says so
on the stderr of the console that asked (the run agent's client, not the agent's own)."""

import io

from msc_tui.cli.agent import _RelayedInput
from msc_tui.cli.program_input import ProgramInput
from msc_tui.core.runs import RunInput
from msc_tui.runner import protocol as runner


def frames(controls: RunInput) -> list[bytes]:
    found = []
    while not controls.frames.empty():
        found.append(controls.frames.get_nowait())
    return found


async def test_the_second_ctrl_c_kills_and_says_so_on_the_given_stream(capsys):
    err, controls = io.StringIO(), RunInput()
    program_input = ProgramInput(controls, forward_stdin=False, err=err)
    program_input.start()
    try:
        program_input._interrupt()
        assert "second Ctrl-C" not in err.getvalue()
        program_input._interrupt()
    finally:
        program_input.stop()
    assert "msc: second Ctrl-C: killing the program's process tree" in err.getvalue()
    assert frames(controls) == [runner.frame(runner.EOF), runner.frame(runner.SIGNAL, b"2"),
                                runner.frame(runner.KILL)]
    assert capsys.readouterr().err == ""


async def test_the_agents_relayed_input_warns_the_asking_process(capsys):
    err, controls = io.StringIO(), RunInput()
    relayed = _RelayedInput(err)(controls, forward_stdin=True)  # as the agent's console makes it
    relayed.start()
    relayed.interrupt()
    relayed.interrupt()
    assert "msc: second Ctrl-C: killing the program's process tree" in err.getvalue()
    assert frames(controls) == [runner.frame(runner.SIGNAL, b"2"), runner.frame(runner.KILL)]
    assert capsys.readouterr().err == ""
