export function init() {}
export function onToggle() {}
export function onMapClick() { return false; }
