"""Fake PII generation: templated text with exact entity spans, linked identities, look-alike hard
negatives and payload formats (the ``pii`` generator), and BIO/CoNLL exports of its output.

Importing this package registers the generator; Faker is imported only when templates are checked
or values generated, so ``mlp --help`` stays fast.
"""

from mlp_cli.augment.pii.generator import PiiGenerator

__all__ = ["PiiGenerator"]
