"""The window: Qt widgets and the training worker thread. Imports core/, never the reverse."""
