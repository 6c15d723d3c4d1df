"""What RevOps looks at: the funnel report (`connector report`) and the rules what-if
(`connector whatif`). Figures are computed by pure functions over plain inputs (people, audit
transitions, tasks, spend) so each is testable against hand-counted cases; reading those inputs
(state store, CRM through the adapter, snapshot) and rendering HTML are separate modules."""
