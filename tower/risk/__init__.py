"""The SLA-miss risk model: point-in-time features from the store (features), a standardised
logistic regression (model), its backtest against the rules (backtest), versions (registry),
training and promotion (training), scoring with reasons in words (scoring, reasons), flags
under the policy's decision rights and people's reviews (flags), and the scheduled job (job)."""
