"""`connector calibrate` (learn explainable points from sales outcomes) and `connector backtest`
(measure a rules file against them). Both only read the CRM; a learned file is an ordinary
rules.yaml whose score is still the sum of its readable lines."""
