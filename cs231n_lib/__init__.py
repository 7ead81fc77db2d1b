"""Reference library of the course: the single source of truth for solution code.

Every graded unit's reference body sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION``; ``cs231n-course sync`` copies it into the source
notebooks and ``cs231n-course release`` turns this package into the student
package ``cs231n/`` with those regions stubbed.
"""
