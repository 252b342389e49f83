"""Blueprints: public (requester), auth, volunteer, board (coordinator)."""
