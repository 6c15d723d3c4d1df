"""Learning explainable points from sales outcomes (`connector calibrate`) and scoring a CRM's
history with a rules file to measure it (`connector backtest`).

Both only read the CRM. The rules engine itself is unchanged: a learned rules file is an
ordinary rules.yaml whose score is still the sum of its readable lines.
"""
