//! Backend for detached processes (setsid+user, setsid+sudo): spawn in a new session, pid files, signals.
