"""The session runner: the one program msc places in every session (standard library only).

msc ships this package into the container as one zip (core/runner_ship.py), named by its
sources' hash so that versions never mix, and starts it with `python3 -S -c <boot> MODE ...`;
main.py says what each mode does. The host imports only `protocol` (frames, kinds, exit codes);
the protocol and the files the runner keeps are written down in docs/runner-protocol.md.

The package imports nothing but the standard library and its own modules, with relative
imports, so it runs under whatever name it is shipped as.
"""
