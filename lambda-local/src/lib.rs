//! An embedded Lambda Runtime API server that runs Lambda binaries as local processes.
