"""Training side (floor 3): features to fitted estimator, evaluation, build, model card. Imports scikit-learn and
pandas; the service never imports this package except the numpy-only kernel, scale and ranker modules."""
