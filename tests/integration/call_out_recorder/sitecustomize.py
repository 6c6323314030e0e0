"""Loaded by every Python process of a test deployment (PYTHONPATH): records each attempt to
resolve or reach a host other than this machine in $GONGHUI_TEST_NETWORK_LOG."""

import os
import sys

LOCAL = {None, "", "localhost", "127.0.0.1", "::1", "0.0.0.0"}


def _record_call_out(event, args):
    if event == "socket.getaddrinfo":
        host = args[0]
    elif event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
    else:
        return
    if isinstance(host, bytes):
        host = host.decode()
    if host not in LOCAL:
        with open(os.environ["GONGHUI_TEST_NETWORK_LOG"], "a") as log:
            log.write(f"{event} {host} by {' '.join(sys.argv)}\n")


if os.environ.get("GONGHUI_TEST_NETWORK_LOG"):
    sys.addaudithook(_record_call_out)
