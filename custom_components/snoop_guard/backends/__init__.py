"""Router and DNS-filter backends behind one small protocol (see base.py)."""
