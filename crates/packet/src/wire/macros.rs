//! The two pieces of boilerplate every header module shares.

/// Defines an open enum over a wire integer: named variants for the values
/// rvs knows and `Unknown(_)` for the rest, with lossless `From` conversions
/// both ways.
macro_rules! open_enum {
    (
        $(#[$attr:meta])*
        pub enum $name:ident($ty:ty) {
            $(
                $(#[$vattr:meta])*
                $variant:ident = $value:expr
            ),+ $(,)?
        }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $(
                $(#[$vattr])*
                $variant,
            )+
            /// Any other value, kept as is.
            Unknown($ty),
        }

        impl From<$ty> for $name {
            fn from(value: $ty) -> Self {
                match value {
                    $($value => $name::$variant,)+
                    other => $name::Unknown(other),
                }
            }
        }

        impl From<$name> for $ty {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => $value,)+
                    $name::Unknown(other) => other,
                }
            }
        }
    };
}

/// Implements the constructors every view has in terms of its own
/// `check_len`: `new_unchecked`, `new_checked`, `into_inner` and
/// `AsRef<[u8]>`.
macro_rules! view_common {
    ($name:ident) => {
        impl<T: AsRef<[u8]>> $name<T> {
            /// Wraps `buffer` without checking it. Accessors may panic on a
            /// buffer that [`Self::check_len`] would reject.
            pub const fn new_unchecked(buffer: T) -> Self {
                $name { buffer }
            }

            /// Wraps `buffer` after [`Self::check_len`] accepts it; then no
            /// getter nor `payload()` can panic.
            pub fn new_checked(buffer: T) -> $crate::wire::Result<Self> {
                let view = Self::new_unchecked(buffer);
                view.check_len()?;
                Ok(view)
            }

            /// Gives the wrapped buffer back.
            pub fn into_inner(self) -> T {
                self.buffer
            }
        }

        impl<T: AsRef<[u8]>> AsRef<[u8]> for $name<T> {
            fn as_ref(&self) -> &[u8] {
                self.buffer.as_ref()
            }
        }
    };
}
