"""Exit statuses of the command line (a contract: scripts test them)."""

EXIT_OK = 0  # done
EXIT_FAILURE = 1  # something went wrong that is not the input's fault (a bug, an I/O error)
EXIT_BAD_INPUT = 2  # an input cannot be read or an argument is invalid; the reason on stderr
EXIT_NOT_ALIGNED = 3  # register: no plausible alignment; the best candidate is still written
