"""The `silink` command line. Each command lives in its own ``cmd_*.py`` module."""
