"""Documents as text: the open documents, their module names, lines and positions."""
