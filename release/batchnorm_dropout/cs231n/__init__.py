"""Course package for the batchnorm_dropout assignment.

Helpers (data loading, gradient checking, plotting) and the code you wrote in
earlier assignments. Functions you implement in this or a later assignment
are stubs that raise NotImplementedError; the notebooks define them.
"""
