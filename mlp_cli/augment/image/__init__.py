"""Image augmentation with torchvision v2 transforms: the pipeline and its runner."""
