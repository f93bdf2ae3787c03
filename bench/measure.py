"""Runs a command and prints its wall time and the peak memory of its processes, as JSON.

    python3 bench/measure.py CMD [ARGS...]   ->  {"seconds": 1.23, "peak_mb": 180.4, "code": 0}

The peak is the largest resident set of any process the command ran (make, then python), which
is what a batch job needs from its machine.
"""

import json
import resource
import subprocess
import sys
import time

started = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
seconds = time.perf_counter() - started
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
result = {"seconds": round(seconds, 3), "peak_mb": round(peak_kb / 1024, 1), "code": done.returncode}
if done.returncode:
    result["stderr"] = done.stderr.decode(errors="replace")[-2000:]
print(json.dumps(result))
