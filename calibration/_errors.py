"""The error type every layer raises for bad input."""


class InputError(ValueError):
    """Bad input that the user can fix.

    The message names the file (or option) and says what is wrong and what
    to do. The command line prints it as one line and exits with code 2.

    Parameters
    ----------
    message : str
        What is wrong and what to do about it.
    path : str or os.PathLike, optional
        The file the problem is in; prefixed to the message as ``path: ``.
    """

    def __init__(self, message, path=None):
        self.path = None if path is None else str(path)
        self.message = message
        super().__init__(message if path is None else f"{path}: {message}")
