"""reviewer: checks PT/OT daily treatment notes against the billing rules before they are signed."""

__version__ = "0.1.0"
