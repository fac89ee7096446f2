"""What a plugin method learns about the call it is serving."""


class CallContext(object):
    """Passed to every plugin method as `ctx`.

    `cancelled` turns true when the gateway gives up on the call (the client went away or the
    plugin's resources.timeout passed): a long computation should check it and stop.
    """

    def __init__(self, grpc_context):
        self._context = grpc_context

    @property
    def cancelled(self):
        return not self._context.is_active()

    def time_remaining(self):
        """Seconds until the call's deadline (None when it has none)."""
        return self._context.time_remaining()
