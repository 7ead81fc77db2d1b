from .k_nearest_neighbor import KNearestNeighbor, knn_cross_validation

__all__ = ["KNearestNeighbor", "knn_cross_validation"]
