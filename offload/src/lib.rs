//! The offload store (claim check): local folder and S3 backends with verified pointers.
