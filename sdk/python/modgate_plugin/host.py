"""What a plugin's factory receives besides its config: a log and a writable folder."""
import json
import sys
import threading

_lock = threading.Lock()


class Log(object):
    """Writes JSON lines on stderr; the gateway logs them under the plugin's name at their level."""

    def _write(self, level, message):
        line = json.dumps({"level": level, "msg": str(message)})
        with _lock:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    def debug(self, message):
        self._write("debug", message)

    def info(self, message):
        self._write("info", message)

    def warn(self, message):
        self._write("warn", message)

    warning = warn

    def error(self, message):
        self._write("error", message)


class Host(object):
    """`config` (the resolved config, a dict), `log`, and `data_dir` (a writable folder)."""

    def __init__(self, config, data_dir, log=None):
        self.config = config
        self.data_dir = data_dir
        self.log = log or Log()
