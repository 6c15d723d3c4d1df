"""The funnel report (`connector report`) and the rules what-if (`connector whatif`): pure
figures over plain inputs (testable by hand-counted cases), reading and HTML kept apart."""
