//! Documents from duban's models: model in, bytes out.
