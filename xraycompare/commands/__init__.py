"""Headless sub-commands. Each module has ``add_arguments(parser)`` and ``run(args) -> int``.

They use the core only (never Qt): exit 0 on success, 2 when an input cannot be read (the
reason on stderr), 1 on other failures.
"""
