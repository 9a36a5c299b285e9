"""The provincial platform: accounts store, statistical reporting, review, publication, web and API.

Layers (see DESIGN.md): ``models`` (SQLAlchemy tables) and ``db`` (engines, transactions,
migrations) hold the store; ``audit`` chains the log; ``security`` hashes passwords and signs
tokens; ``submissions`` validates uploads; ``services`` is the only module that changes the store;
``runner`` executes accounting runs in the background; ``api`` and ``web`` are the FastAPI
routers; ``app`` assembles them.
"""
