//! Everything the scheduler needs to know about the clinic: its calendar, chairs and rooms,
//! staff, appointment lengths, and how many chairs one nurse may run.

use crate::calendar::BusinessCalendar;
use crate::error::FieldError;
use crate::ids::UserId;

use super::appointment_type::AppointmentTypes;
use super::resource::{Space, SpaceId, StaffMember};

/// How many overlapping drug sessions one nurse may run (issue 8, item 2: a clinic setting,
/// default 3). Counted at every instant of a slot, not pairwise: three sessions that each
/// overlap the new one but not each other leave the nurse with two at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NurseCapacity(u8);

impl NurseCapacity {
    /// 1 to 10 chairs.
    pub fn new(chairs: u8) -> Result<Self, FieldError> {
        if (1..=10).contains(&chairs) { Ok(Self(chairs)) } else { Err(FieldError::new("nurse_capacity", "must be between 1 and 10 chairs")) }
    }

    /// The number of chairs.
    pub fn chairs(self) -> u8 {
        self.0
    }
}

impl Default for NurseCapacity {
    fn default() -> Self {
        Self(3)
    }
}

/// The clinic as the scheduler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Clinic {
    pub calendar: BusinessCalendar,
    pub spaces: Vec<Space>,
    pub staff: Vec<StaffMember>,
    pub types: AppointmentTypes,
    pub nurse_capacity: NurseCapacity,
}

impl Clinic {
    /// The chair or room with this id.
    pub fn space(&self, id: SpaceId) -> Option<&Space> {
        self.spaces.iter().find(|s| s.id == id)
    }

    /// The staff member with this id.
    pub fn member(&self, id: UserId) -> Option<&StaffMember> {
        self.staff.iter().find(|m| m.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nurse_capacity_bounds() {
        assert_eq!(NurseCapacity::default().chairs(), 3);
        assert!(NurseCapacity::new(0).is_err());
        assert!(NurseCapacity::new(11).is_err());
        assert_eq!(NurseCapacity::new(1).map(NurseCapacity::chairs), Ok(1));
    }
}
