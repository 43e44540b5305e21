/// The multi-user schema's ownership columns of `sessions`, named in one place.
enum OwnershipColumns {
    static let table = "sessions"
    static let person = "owner_person"
    static let uid = "owner_uid"
    static let names = [person, uid]
}
