//! Backend for Docker via bollard, including many nodes per container.
