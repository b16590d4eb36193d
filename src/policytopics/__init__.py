"""Reproducible topic and theme analysis of Chinese local-government policy texts."""

from policytopics.cpu import pin_cpu_target

pin_cpu_target()  # before numpy and numba are imported (policytopics/cpu.py)

__version__ = "0.1.0"
