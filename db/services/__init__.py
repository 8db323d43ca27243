"""One service per workflow, called by the command line and the window alike: editing, inspections,
data sets, sample and generated data, encryption, integrity checks, import and export."""
