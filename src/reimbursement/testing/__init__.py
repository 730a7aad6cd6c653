"""Contract test suites for the ports, for adapter authors.

Subclass the suite of the port your adapter implements, provide the
adapter through the fixture it names, and run it with pytest: the same
tests every built-in adapter passes.
"""
