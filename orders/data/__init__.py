"""Data files of the orders app (banks.json: the banks a VietQR transfer can go to)."""
