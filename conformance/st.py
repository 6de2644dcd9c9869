"""`python -m conformance.st`: schemathesis's `st` command, stoppable by SIGINT in any context.

A command started in the background by a shell (`make test &`, some CI runners) ignores SIGINT,
and so does everything it starts; Python then never raises KeyboardInterrupt, and the runner's
--max-duration stop would go unheard until the run is killed without its reports. This entry point
puts Python's own SIGINT handler back before handing over to schemathesis.
"""

import runpy
import signal

signal.signal(signal.SIGINT, signal.default_int_handler)
runpy.run_module("schemathesis.cli", run_name="__main__", alter_sys=True)
