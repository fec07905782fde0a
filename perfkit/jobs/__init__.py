"""Jobs: the host side of the notebook boundary, in the CLI process. One supervised notebook
execution (``kernel``) used by a run (``notebook_run``), a suite (``suite`` plans it,
``suite_run`` runs it) and the index build (``index_build``). The notebooks' kernels run
perfkit.cells; the run folder layout is perfkit.results.run_folder's."""
