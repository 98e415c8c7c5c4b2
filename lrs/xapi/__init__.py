"""The xAPI specification as pure functions: no I/O."""
