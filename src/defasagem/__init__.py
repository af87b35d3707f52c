"""defasagem: early warning of school-phase lag for Associação Passos Mágicos."""

__version__ = "0.1.0"
