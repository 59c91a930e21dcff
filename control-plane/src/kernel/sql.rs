//! Wire enums stored as checked Postgres text. [`stored_as_text!`] gives an enum with
//! `as_str` and `FromStr` the sqlx traits, so a row reads `status AS "status: OfferStatus"`
//! straight into the enum (an unknown name is a decode error, never a silent default) and the
//! enum is written by the one name `as_str` gives.

/// Implements `sqlx::Type`, `Encode` and `Decode` for Postgres `text` on enums with
/// `fn as_str(self) -> &'static str` and `FromStr`.
#[macro_export]
macro_rules! stored_as_text {
    ($($ty:ty),* $(,)?) => {$(
        impl ::sqlx::Type<::sqlx::Postgres> for $ty {
            fn type_info() -> ::sqlx::postgres::PgTypeInfo {
                <&str as ::sqlx::Type<::sqlx::Postgres>>::type_info()
            }

            fn compatible(ty: &::sqlx::postgres::PgTypeInfo) -> bool {
                <&str as ::sqlx::Type<::sqlx::Postgres>>::compatible(ty)
            }
        }

        impl<'r> ::sqlx::Decode<'r, ::sqlx::Postgres> for $ty {
            fn decode(
                value: ::sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, ::sqlx::error::BoxDynError> {
                let name = <&str as ::sqlx::Decode<::sqlx::Postgres>>::decode(value)?;
                name.parse::<$ty>()
                    .map_err(|_| format!("unknown {} {name:?}", stringify!($ty)).into())
            }
        }

        impl ::sqlx::Encode<'_, ::sqlx::Postgres> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut ::sqlx::postgres::PgArgumentBuffer,
            ) -> Result<::sqlx::encode::IsNull, ::sqlx::error::BoxDynError> {
                <&str as ::sqlx::Encode<::sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }
    )*};
}
