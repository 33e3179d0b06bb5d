// SHA256+Export.swift: SHA256 moved to Formats (Retrieval uses it too); Loading keeps exporting it.
@_exported import struct Formats.SHA256
