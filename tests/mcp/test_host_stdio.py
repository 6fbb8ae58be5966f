"""The host against the demo stdio server: listing, naming, calls and their failures,
starting, stopping and restarting, with real processes."""

from __future__ import annotations

import json
import sys
import time

import psutil

from desktop.mcp.host import McpHost
from desktop.mcp.launch import ServerLaunch
from desktop.mcp.records import CallOutcome, ServerState
from tests.support.mcp_servers import demo_launch, settled, wait_for


def call(host: McpHost, name: str, arguments: object = None, timeout: float = 30.0) -> CallOutcome:
    return host.call("call_1", name, json.dumps(arguments or {})).result(timeout)


def test_tools_are_listed_with_prefixed_names_and_read_only_hints(host: McpHost) -> None:
    host.configure([demo_launch("demo dictionary")])
    (status,) = settled(host, 1)
    assert status.state is ServerState.RUNNING and status.message == "Running, 8 tools."
    tools = {tool.tool_name: tool for tool in host.tools()}
    lookup = tools["lookup_word"]
    assert lookup.function_name == "demo_dictionary__lookup_word"
    assert lookup.read_only and not lookup.destructive
    assert not tools["crash"].read_only
    schema = lookup.function_tool()
    assert schema["name"] == "demo_dictionary__lookup_word"
    assert schema["description"].startswith("[demo dictionary] Look up the meaning")
    assert schema["parameters"]["required"] == ["word"]
    assert host.find("demo_dictionary__lookup_word") == lookup


def test_calls_return_text_summaries_and_tool_errors(host: McpHost) -> None:
    host.configure([demo_launch()])
    settled(host, 1)
    text = call(host, "demo__lookup_word", {"word": "parley"})
    assert text.ok and text.output == "parley: a word the demo dictionary knows."
    assert (text.server, text.tool_name, text.call_id) == ("demo", "lookup_word", "call_1")
    image = call(host, "demo__picture")
    assert image.ok and image.output.startswith("[an image: image/png, ")
    failed = call(host, "demo__fail")
    assert not failed.ok
    assert "error" in json.loads(failed.output)
    assert failed.user_message == "fail (demo) reported an error: Error executing tool fail"
    bad = host.call("call_2", "demo__lookup_word", "not json").result(10)
    assert not bad.ok and "not a JSON object" in json.loads(bad.output)["error"]
    unknown = call(host, "demo__nothing")
    assert not unknown.ok and "no such tool" in json.loads(unknown.output)["error"]


def test_a_call_that_takes_too_long_times_out_and_the_server_goes_on(host: McpHost) -> None:
    host.configure([demo_launch(timeout_s=1.0)])
    settled(host, 1)
    outcome = call(host, "demo__slow", {"seconds": 20})
    assert not outcome.ok
    assert json.loads(outcome.output) == {"error": "the tool did not finish within 1 seconds"}
    assert outcome.user_message == "slow (demo) timed out after 1 s."
    assert 0.9 < outcome.elapsed_s < 10
    assert call(host, "demo__lookup_word", {"word": "still"}).ok
    assert host.statuses()[0].state is ServerState.RUNNING


def test_a_server_that_dies_mid_call_gives_an_error_and_can_be_restarted(host: McpHost) -> None:
    host.configure([demo_launch()])
    settled(host, 1)
    outcome = call(host, "demo__crash")
    assert not outcome.ok
    assert json.loads(outcome.output) == {"error": "the demo server stopped while running the tool"}
    assert outcome.user_message == "The server demo stopped during crash."
    wait_for(lambda: host.statuses()[0].state is ServerState.FAILED)
    status = host.statuses()[0]
    assert status.message == "The server stopped unexpectedly."
    assert "crashing on purpose" in status.stderr_tail
    assert host.tools() == ()
    after = call(host, "demo__lookup_word", {"word": "gone"})
    assert not after.ok and "no such tool" in json.loads(after.output)["error"]

    host.restart("demo")
    wait_for(lambda: host.statuses()[0].state is ServerState.RUNNING)
    assert call(host, "demo__lookup_word", {"word": "back"}).ok


def test_failed_starts_say_why_with_the_error_output(host: McpHost) -> None:
    host.configure(
        [
            demo_launch("broken", "--fail-start"),
            ServerLaunch("missing", True, "stdio", command="parley-no-such-server"),
            ServerLaunch("empty", True, "stdio"),
        ]
    )
    broken, missing, empty = settled(host, 3)
    assert broken.state is ServerState.FAILED
    assert broken.message == "The server failed to start: it exited before it was ready"
    assert broken.stderr_tail == "demo server: cannot start, the configuration is missing"
    assert missing.state is ServerState.FAILED
    assert "'parley-no-such-server' was not found" in missing.message
    assert empty.message == "No command is set for this server."


def test_a_server_that_dies_while_idle_is_noticed(host: McpHost) -> None:
    host.configure([demo_launch()])
    settled(host, 1)
    server_pid = int(call(host, "demo__pids").output.split()[0])
    psutil.Process(server_pid).kill()
    wait_for(lambda: host.statuses()[0].state is ServerState.FAILED, timeout=10)
    assert host.tools() == ()


def test_a_server_that_only_closes_its_error_output_stays_running(host: McpHost) -> None:
    host.configure([demo_launch()])
    settled(host, 1)
    assert call(host, "demo__quiet").output == "quiet now"
    time.sleep(1.0)  # the end of its error output makes the host check on it
    assert call(host, "demo__lookup_word", {"word": "still"}).ok
    assert host.statuses()[0].state is ServerState.RUNNING


def _all_gone(processes: list[psutil.Process], timeout: float) -> bool:
    """Whether every process has exited (a zombie waiting for its reaper has)."""

    def gone(process: psutil.Process) -> bool:
        try:
            return process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return True

    try:
        wait_for(lambda: all(gone(p) for p in processes), timeout)
    except AssertionError:
        return False
    return True


def _server_processes(host: McpHost, name: str) -> list[psutil.Process]:
    pids = [int(pid) for pid in call(host, f"{name}__pids").output.split()]
    return [psutil.Process(pid) for pid in pids]


def test_stop_leaves_no_process_even_a_stubborn_one(host: McpHost) -> None:
    host.configure([demo_launch("polite"), demo_launch("stubborn", "--stubborn")])
    settled(host, 2)
    processes = _server_processes(host, "polite") + _server_processes(host, "stubborn")
    assert len(processes) == 3  # two servers and the stubborn one's child
    ours = {child.pid for child in psutil.Process().children(recursive=True)}
    assert {p.pid for p in processes} <= ours
    host.stop()
    assert _all_gone(processes, timeout=1)
    assert host.statuses() == ()


def test_configure_starts_stops_and_restarts_what_changed(host: McpHost) -> None:
    host.configure([demo_launch("a"), demo_launch("b")])
    settled(host, 2)
    pid_a = _server_processes(host, "a")[0]
    pid_b = _server_processes(host, "b")[0]
    switched_off = ServerLaunch("b", False, "stdio", command=sys.executable)
    host.configure([demo_launch("a"), switched_off])
    wait_for(lambda: [s.state for s in host.statuses()] == [ServerState.RUNNING, ServerState.OFF])
    assert _all_gone([pid_b], timeout=10)
    assert pid_a.is_running()  # unchanged: not restarted
    assert {tool.server for tool in host.tools()} == {"a"}

    host.configure([demo_launch("a", timeout_s=5.0)])
    assert _all_gone([pid_a], timeout=10)  # changed: restarted
    (status,) = settled(host, 1)
    assert status.state is ServerState.RUNNING
    assert call(host, "a__lookup_word", {"word": "new"}).ok


def test_removing_a_server_stops_its_process_group(host: McpHost) -> None:
    host.configure([demo_launch("s", "--stubborn")])
    settled(host, 1)
    processes = _server_processes(host, "s")
    host.configure([])
    assert _all_gone(processes, timeout=15)
    wait_for(lambda: host.statuses() == ())
