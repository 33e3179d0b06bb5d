// Loading module
