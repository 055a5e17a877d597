#pragma once

// What server-side apply will remove. An apply is the manager's complete intent: fields the manager set by an
// earlier apply and leaves out now are removed by the API server (unless another manager also owns them). Comparing
// an intent with the live object value by value cannot see that, so this reads the manager's field set from
// metadata.managedFields (fieldsV1: "f:<field>", "k:<list key>", "v:<set value>", "i:<index>").

#include <string_view>

#include <nlohmann/json.hpp>

namespace warden::op {

// True when `live` records fields that `manager` applied (operation Apply, main resource, not a subresource) and
// that `intent` no longer sets, so applying `intent` would change `live`. An object with no such entry (never
// applied by this manager, or managedFields not returned) has nothing to remove: false. Entries it cannot read are
// skipped. fieldsV1 may be the API's object or its JSON text (compactOwnManagedFields()). Never throws but
// bad_alloc.
bool appliedFieldsDropped(const nlohmann::json& live, const nlohmann::json& intent, std::string_view manager);

// The informers' transforms. managedFields are a large part of a cached object (a fieldsV1 tree per manager, often
// as big as the object itself), and the operator reads only its own entries of its children (appliedFieldsDropped).
//
// Keeps, of `object`'s metadata.managedFields, only `manager`'s entries, each with only manager, operation,
// subresource and fieldsV1, and fieldsV1 as its JSON text (a string: a fraction of the parsed tree's memory). The
// key is removed when no entry is left.
void compactOwnManagedFields(nlohmann::json& object, std::string_view manager);
// Removes metadata.managedFields.
void dropManagedFields(nlohmann::json& object);

}  // namespace warden::op
