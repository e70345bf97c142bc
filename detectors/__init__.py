"""Detection core: motion, object detection, tracking and attributes. Pure NumPy/OpenCV, no I/O."""
