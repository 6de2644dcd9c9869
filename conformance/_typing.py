"""Type aliases for schemathesis's generic classes (imported only under TYPE_CHECKING)."""

from typing import Any, TypeAlias

from schemathesis import Case
from schemathesis.auths import AuthProvider
from schemathesis.schemas import APIOperation

AnyCase: TypeAlias = Case[Any]
AnyOperation: TypeAlias = APIOperation[Any, Any, Any, Any]
AnyAuthProvider: TypeAlias = AuthProvider[Any]
