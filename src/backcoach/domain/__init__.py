"""The domain core: pure functions over plain data. Imports only the standard library and pydantic."""
