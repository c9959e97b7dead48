"""The error type commands raise for the user: one line on stderr, never a traceback."""


class CliError(Exception):
    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code
